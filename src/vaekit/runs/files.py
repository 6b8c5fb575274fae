"""The names of a run directory's own files, in one place for the modules that read and write them.

    run_dir / CONFIG_FILE     # config.json: settings, the data's description, versions, fingerprints
    run_dir / MODEL_FILE      # model.safetensors: the final weights
    run_dir / PRIOR_REPORT    # code-prior.json: what `vaekit fit-prior` fitted (bits per example, settings)
    run_dir / LATENT_PRIOR    # latent-prior.safetensors, .json: a prior over continuous codes fitted by fit-prior
"""

CONFIG_FILE = "config.json"
MODEL_FILE = "model.safetensors"
PRIOR_REPORT = "code-prior.json"
LATENT_PRIOR = "latent-prior.safetensors"
LATENT_PRIOR_REPORT = "latent-prior.json"
