"""The global model: one network forecasting the daily new cases of any JHU country."""
