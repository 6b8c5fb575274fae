"""Datasets for vaekit: named ones (digits, mnist, fashion-mnist, kmnist, cifar10, sprites, dsprites, fortunes,
fsdd), files, folders (of images, of .txt files, or of .wav recordings).

    from vaekit.data import load_dataset, DATASET_NAMES
    ds = load_dataset("digits")
    ds.train_x.shape, ds.test_x.shape, ds.kind      # (1617, 1, 8, 8), (180, 1, 8, 8), "image"
    DATASET_NAMES()    # ['cifar10', 'digits', 'dsprites', 'fashion-mnist', 'fortunes', 'fsdd', 'kmnist', 'mnist',
                       #  'sprites']

Each named dataset registers its loader in vaekit.core.registry.DATASETS when its module is imported below; a
loader takes a LoadOptions and returns a Dataset.
"""

# imported to register their loaders
from vaekit.data.audio import fsdd  # noqa: F401
from vaekit.data.common.options import LoadOptions
from vaekit.data.dataset import Dataset
from vaekit.data.image import cifar10, digits, dsprites, mnist_like, sprites  # noqa: F401
from vaekit.data.series import reader  # noqa: F401
from vaekit.data.sources.load import dataset_names as DATASET_NAMES  # noqa: N812  (the name other modules import)
from vaekit.data.sources.load import load_dataset
from vaekit.data.table.reader import table_dataset
from vaekit.data.text import fortunes  # noqa: F401

__all__ = ["DATASET_NAMES", "Dataset", "LoadOptions", "load_dataset", "table_dataset"]
