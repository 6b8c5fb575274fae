"""Discrete latent codes given settings that do not go together, and fit-prior given runs it cannot serve."""

from __future__ import annotations

from bad_inputs.case import Case

TINY = ["--data", "digits", "--hidden", "8", "--epochs", "1", "--quiet", "--out", "{root}/new"]
VQ = ["--posterior", "vq", "--prior", "codes", "--latent-dim", "8", "--code-dim", "2"]
GUMBEL = ["--posterior", "gumbel_softmax", "--prior", "codes", "--latent-dim", "8", "--codebook-size", "4"]

CASES = [
    Case("vq-codebook-size-one", r"codebook_size must be at least 2 \(one code carries no information",
         ["train", *VQ, "--objective", "vq", "--codebook-size", "1", *TINY]),
    Case("vq-with-the-elbo", r"the vq posterior trains with objective vq, not elbo: add --objective vq",
         ["train", *VQ, *TINY]),
    Case("vq-with-iwae", r"the vq posterior trains with objective vq, not iwae",
         ["train", *VQ, "--objective", "iwae", *TINY]),
    Case("vq-objective-with-a-gaussian-code", r"the vq objective trains a VQ-VAE: use it with --posterior vq",
         ["train", "--objective", "vq", *TINY]),
    Case("gumbel-with-the-vq-objective", r"gumbel_softmax posterior trains with objective elbo or denoising, not vq",
         ["train", *GUMBEL, "--objective", "vq", *TINY]),
    Case("vq-without-the-codes-prior", r"the vq posterior's code needs prior: codes .* not standard_normal",
         ["train", "--posterior", "vq", "--objective", "vq", *TINY]),
    Case("codes-prior-with-a-gaussian-code", r"prior codes is a prior over discrete codes: use it with posterior vq",
         ["train", "--prior", "codes", *TINY]),
    Case("vq-latent-dim-not-a-multiple", r"latent_dim \(8\) must be a multiple of 3",
         ["train", *VQ, "--code-dim", "3", "--objective", "vq", *TINY]),
    Case("gumbel-latent-dim-not-a-multiple", r"latent_dim \(8\) must be a multiple of 3",
         ["train", *GUMBEL, "--codebook-size", "3", *TINY]),
    Case("vq-with-a-kl-weight", r"beta is not read by the vq objective \(it would be ignored\)",
         ["train", *VQ, "--objective", "vq", "--beta", "4", *TINY]),
    Case("vq-with-a-warm-up", r"warmup_epochs is not read by the vq objective",
         ["train", *VQ, "--objective", "vq", "--warmup-epochs", "2", *TINY]),
    Case("vq-conditional", r"does not take class labels",
         ["train", *VQ, "--objective", "vq", "--conditional", *TINY]),
    Case("vq-ema-decay-one", r"ema_decay must be in \[0, 1\), got 1\.0",
         ["train", *VQ, "--objective", "vq", "--ema-decay", "1", *TINY]),
    Case("gumbel-temperature-zero", r"temperature must be positive, got 0\.0",
         ["train", *GUMBEL, "--temperature", "0", *TINY]),
    Case("fit-prior-of-a-gaussian-run", r"this run's latent code is not discrete.* --method gmm or vae fits one",
         ["fit-prior", "{run}", "--method", "discrete"]),
    Case("fit-prior-zero-epochs", r"--epochs must be at least 1", ["fit-prior", "{run}", "--epochs", "0"]),
    Case("fit-prior-zero-lr", r"--lr must be positive", ["fit-prior", "{run}", "--lr", "0"]),
]
