"""Datasets for vaekit: named ones (digits, mnist, fashion-mnist, kmnist, cifar10, sprites, dsprites, fortunes), files,
folders.

    from vaekit.data import load_dataset, DATASET_NAMES
    ds = load_dataset("digits")
    ds.train_x.shape, ds.test_x.shape, ds.kind      # (1617, 1, 8, 8), (180, 1, 8, 8), "image"
    DATASET_NAMES()    # ['cifar10', 'digits', 'dsprites', 'fashion-mnist', 'fortunes', 'kmnist', 'mnist', 'sprites']

Each named dataset registers its loader in vaekit.registry.DATASETS when its module is imported below; a
loader takes a LoadOptions and returns a Dataset.
"""

from vaekit.data import cifar10, digits, dsprites, fortunes, mnist_like, series, sprites  # noqa: F401  (imported to register their loaders)
from vaekit.data.dataset import Dataset
from vaekit.data.load import dataset_names as DATASET_NAMES  # noqa: N812  (the name other modules import)
from vaekit.data.load import load_dataset
from vaekit.data.options import LoadOptions
from vaekit.data.tables import table_dataset

__all__ = ["DATASET_NAMES", "Dataset", "LoadOptions", "load_dataset", "table_dataset"]
