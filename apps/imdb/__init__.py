"""IMDB movie reviews: sentiment classification from raw text."""
