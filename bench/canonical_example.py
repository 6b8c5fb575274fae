"""The canonical PyTorch VAE example's training loop (pytorch/examples vae/main.py), rebuilt without torchvision.

Its data path is the point of the comparison: torchvision's MNIST dataset returns one item at a time, turning
the uint8 array into a PIL image and then into a float tensor (ToTensor), and a DataLoader collates batches of 128.
This file reproduces that per-item path with PIL and numpy, and the example's model and loss, unchanged.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset


class PerItemImages(Dataset):
    """As torchvision.datasets.MNIST + transforms.ToTensor(): uint8 array -> PIL image -> float tensor, per item."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = torch.from_numpy(images)  # torchvision keeps uint8 tensors (N, 28, 28)
        self.labels = torch.from_numpy(labels)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = Image.fromarray(self.images[index].numpy(), mode="L")
        # ToTensor: HWC byte array -> CHW float in [0, 1]
        tensor = torch.from_numpy(np.array(image, dtype=np.uint8, copy=True)).view(28, 28, 1)
        return tensor.permute(2, 0, 1).contiguous().float().div(255), int(self.labels[index])


class CanonicalVAE(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def train_epoch(model: CanonicalVAE, loader: DataLoader, optimizer: torch.optim.Optimizer) -> float:
    """One epoch as in the example's train(); returns the mean loss per image."""
    model.train()
    total = 0.0
    for data, _ in loader:
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        total += loss.item()
        optimizer.step()
    return total / len(loader.dataset)


def make_loader(images: np.ndarray, labels: np.ndarray, batch_size: int = 128) -> DataLoader:
    # the example's CPU setting: kwargs = {} (no workers, no pinned memory), shuffle=True
    return DataLoader(PerItemImages(images, labels), batch_size=batch_size, shuffle=True)


@torch.no_grad()
def test_loss(model: CanonicalVAE, images: np.ndarray, labels: np.ndarray) -> float:
    """As the example's test(): the mean loss per test image (one posterior sample each, as in the example)."""
    model.eval()
    total = 0.0
    for data, _ in DataLoader(PerItemImages(images, labels), batch_size=128):
        recon_batch, mu, logvar = model(data)
        total += loss_function(recon_batch, data, mu, logvar).item()
    return total / len(images)
