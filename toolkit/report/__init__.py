"""The report: the runner (papermill, nbconvert), the context the notebooks open, tables, plots, widgets and zh/en labels."""
