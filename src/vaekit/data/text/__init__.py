"""Text: the readers (.txt, CSV column, folders, fortunes), tokenizer, vocabulary and the data kind "text"."""
