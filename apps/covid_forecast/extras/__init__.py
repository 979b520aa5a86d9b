"""Options of the tutorial model beyond its default train and forecast (each file's first line)."""
