"""Options of the IMDB app; each module opens with the option that turns it on."""
