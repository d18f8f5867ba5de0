"""The trained models and the one scoring path, under both training and serving.

``model`` (the creator model bundle), ``account_model`` (is this follower fake?), ``calibration``,
``pyfunc`` (their MLflow face), ``loading`` (from a URI or a bundle), ``store`` (where MLflow's
store is, and whether it can be used) and ``scores`` (features → scores with reasons, for one
request or a whole dataset).
"""
