"""Audio: folders of .wav recordings as log-mel spectrograms, the Free Spoken Digit Dataset, the data kind "audio"."""
