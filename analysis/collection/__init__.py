"""Stage 1, collection: GitHub's API -> a snapshot folder (manifest.json + raw responses).

Imports run one way: this subpackage uses only `analysis.snapshot` (the snapshot format,
shared with the build) and `analysis.atomic`; nothing here imports the build, the
analyses or the report. The command line reaches it through `live` (the wiring),
`search` (query checks) and `github` (its errors).
"""
