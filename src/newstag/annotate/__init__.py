"""From sentences to annotations: Label Studio tasks, the label config, annotations, datasets, agreement."""
