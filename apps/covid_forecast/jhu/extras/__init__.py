"""Options of the global model beyond its default train and forecast (each file's first line)."""
