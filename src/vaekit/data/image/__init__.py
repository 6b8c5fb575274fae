"""Images: the named image data sets (digits, MNIST-like IDX, CIFAR-10, sprites, dSprites), image folders, 8-bit
pixels and their dequantization.
"""
