"""Answers to a clinician's questions: resolving the names a user types, the clinical questions
(interactions, evidence, precautions, dose), paths and explanations over the networkx
projection, and fetching the neighbourhood a path question needs from an engine.

Imports :mod:`kg.sparql` and the layers below it.
"""
