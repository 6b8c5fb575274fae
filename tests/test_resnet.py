"""The residual convolutional network: shapes, errors, identity initialisation, gradient flow and a quick fit."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import NETWORKS
from vaekit.nn.resnet import ResidualBlock, build_resnet


def _cfg(channels: list[int], blocks: int = 1, activation: str = "relu") -> ModelConfig:
    return ModelConfig(network="resnet", conv_channels=channels, residual_blocks=blocks, activation=activation)


def test_registered_under_resnet() -> None:
    assert NETWORKS.get("resnet") is build_resnet


@pytest.mark.parametrize(("shape", "channels", "params", "smallest"), [
    ((3, 32, 32), [8, 16, 32], 2, 4),
    ((3, 64, 64), [4, 8, 8, 16], 1, 4),
    ((1, 64, 64), [4, 8, 8, 16], 3, 4),
    ((1, 28, 28), [8, 16], 1, 7),
])
def test_shapes_with_leading_sample_dims(shape: tuple[int, int, int], channels: list[int], params: int,
                                         smallest: int) -> None:
    torch.manual_seed(0)
    latent = 5
    encoder, width, decoder = build_resnet(shape, latent, params, _cfg(channels, blocks=2, activation="silu"))
    features = encoder(torch.rand(2, *shape))
    assert features.shape == (2, width) and width == channels[-1] * smallest**2
    assert decoder(torch.randn(2, latent)).shape == (2, params, *shape)
    assert decoder(torch.randn(3, 2, latent)).shape == (3, 2, params, *shape)
    assert decoder(torch.randn(4, 3, 2, latent)).shape == (4, 3, 2, params, *shape)


def test_evaluation_does_not_depend_on_the_batch() -> None:
    torch.manual_seed(0)
    encoder, _, decoder = build_resnet((3, 32, 32), 4, 1, _cfg([8, 16, 32]))
    x, z = torch.rand(6, 3, 32, 32), torch.randn(6, 4)
    torch.testing.assert_close(encoder(x)[:1], encoder(x[:1]))
    torch.testing.assert_close(decoder(z)[:1], decoder(z[:1]))


@pytest.mark.parametrize("shape", [(784,), (3, 4, 4), (1, 7, 64), (2, 3, 4, 5)])
def test_unsupported_shapes_raise_a_clear_error(shape: tuple[int, ...]) -> None:
    with pytest.raises(ConfigError) as error:
        build_resnet(shape, 4, 1, _cfg([8, 16, 32]))
    message = str(error.value)
    assert "x".join(map(str, shape)) in message
    assert "use --network mlp" in message and "\n" not in message


def test_more_stages_than_conv_channels_repeat_the_last_width() -> None:
    encoder, width, _ = build_resnet((3, 64, 64), 4, 1, _cfg([8, 16, 32]))
    assert width == 32 * 4 * 4  # four stages: 8, 16, 32, 32
    downsampling = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)]
    assert [m.out_channels for m in downsampling] == [8, 16, 32, 32]


def test_residual_blocks_start_as_the_identity() -> None:
    torch.manual_seed(0)
    block = ResidualBlock(12, "gelu")
    x = torch.randn(3, 12, 8, 8)
    assert torch.equal(block(x), x)
    encoder, _, decoder = build_resnet((3, 32, 32), 4, 1, _cfg([8, 16, 32], blocks=2))
    blocks = [m for m in [*encoder.modules(), *decoder.modules()] if isinstance(m, ResidualBlock)]
    assert len(blocks) == 2 * 3 * 2  # encoder and decoder, 3 stages, 2 blocks each
    for block in blocks:
        width = block.branch[0].num_channels
        x = torch.randn(2, width, 4, 4)
        assert torch.equal(block(x), x)


def _named_parameters(*modules: nn.Module) -> list[tuple[str, nn.Parameter]]:
    return [(f"{i}.{name}", p) for i, m in enumerate(modules) for name, p in m.named_parameters()]


def test_gradient_reaches_every_parameter() -> None:
    torch.manual_seed(0)
    encoder, width, decoder = build_resnet((3, 32, 32), 4, 2, _cfg([8, 16, 32]))
    head = nn.Linear(width, 4)

    def backward() -> None:
        for module in (encoder, head, decoder):
            module.zero_grad(set_to_none=True)
        decoder(head(encoder(torch.rand(3, 3, 32, 32))).unsqueeze(0).expand(2, 3, 4)).square().mean().backward()

    # at initialisation every parameter is in the graph; the zero-initialised last convs do get a gradient
    backward()
    for name, p in _named_parameters(encoder, head, decoder):
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    zero_convs = [block.branch[-1] for block in [*encoder.modules(), *decoder.modules()]
                  if isinstance(block, ResidualBlock)]
    assert all(conv.weight.grad.abs().sum() > 0 for conv in zero_convs)

    # once the residual branches are no longer zero, every single parameter gets a nonzero gradient
    with torch.no_grad():
        for conv in zero_convs:
            conv.weight.normal_(0, 0.05)
            conv.bias.normal_(0, 0.05)
    backward()
    for name, p in _named_parameters(encoder, head, decoder):
        assert p.grad.abs().sum() > 0, name


def test_a_few_adam_steps_reduce_the_reconstruction_error() -> None:
    torch.manual_seed(0)
    x = torch.rand(4, 3, 32, 32)
    encoder, width, decoder = build_resnet((3, 32, 32), 8, 1, _cfg([8, 16, 32]))
    model = nn.Sequential(encoder, nn.Linear(width, 8), decoder)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    losses = []
    for _ in range(30):
        loss = (model(x)[:, 0] - x).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # from about 0.35-0.55 at the start to near 1/12, the variance of uniform pixels (what answering 0.5 scores)
    assert losses[-1] < 0.5 * losses[0] and losses[-1] < 0.1
