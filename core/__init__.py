"""The kernel every app builds on: domain errors, roles and access, API plumbing, tenancy rules, CSV streaming."""
