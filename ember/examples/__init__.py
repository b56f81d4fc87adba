"""ember.examples: runnable jobs that show ember training models (``python -m ember.examples.digits``)."""
