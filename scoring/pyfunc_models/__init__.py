"""The model code MLflow logs for each model (MLflow's "models from code"): a logged model is this
file plus the bundle artifact, so loading it runs this project's code instead of unpickling a
Python object, and logging it raises no "may execute arbitrary code" warning."""
