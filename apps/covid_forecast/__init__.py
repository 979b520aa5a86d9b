"""COVID-19 forecasting: the tutorial's LSTM, and one global model for JHU countries."""
