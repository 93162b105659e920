"""newstag: news articles -> Label Studio tasks -> annotations -> a tagger -> tagged articles.

One package per stage of the loop. A module imports from its own stage, from the stages
below it and from the foundation, never from a stage above (tests/test_layout.py checks):

    cli/          one module per command, each a thin wrapper over one library function
    backend/      the Label Studio ML backend: live predictions, retraining in the background
    labelstudio/  the only user of the SDK and of the server: projects, tasks, predictions, tabs
    assist/       what helps annotators: pre-annotations, the annotation queue, likely label errors
    report/       what the analyst reads: tagged articles as one HTML page, with counts and scores
    tagging/      tagging articles: a stream, several processes, a Dask cluster (batch/)
    model/        features (cues, patterns, embeddings, a fine-tuned encoder, run by ONNX Runtime),
                  the tagger, calibration, decoding, baselines, reference features, validation,
                  training, saving
    evaluation/   scores of labels and probabilities, reports and plots; it knows no model
    annotate/     Label Studio tasks and the types of their fields, the label config, annotations and
                  their spans, datasets, agreement
    text/         articles, sentences
    config, taxonomy, errors, files, cache, regexes: the foundation every stage may use

Two places where the order is a choice. labelstudio/ sits above assist/: it carries what
assist/ computes (queue ranks, review tabs) into a live project, while assist/ stays pure and
is tested without a server. evaluation/ sits below model/: `training` scores every model by
cross-validation by article for its metadata, so the scores must not need a model;
the loops that fit taggers in order to score them are `model/validation.py`.
"""
