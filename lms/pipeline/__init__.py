"""The pipeline core: a programme's ordered stages, each cohort's stage windows, gates and the outcome.

Stage kinds live in the areas that own their data and register with `lms.pipeline.registry`; nothing here
imports an area.
"""
