"""A Label Studio ML backend serving a newstag model: live predictions, background retraining."""
