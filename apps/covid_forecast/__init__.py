"""COVID-19 forecasting: an LSTM over windows of daily new cases, with honest backtests."""
