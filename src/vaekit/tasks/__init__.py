"""What a trained model is used for: latent codes, reconstructions and samples (outputs), evaluation, scoring,
imputation, compression, denoising, traversals and pictures. Each task takes a model (and data) and returns
numbers or files; the command line and the estimators call them.
"""
