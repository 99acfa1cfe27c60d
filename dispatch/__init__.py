"""Dispatch: call up the nearest responders, wait for acceptance, escalate by itself.

Pure cores: `grid` (the four-level cell tree), `responders` (teams, duty, availability,
locations), `ranking` (who should go, and why), `escalation` (one incident's call-up policy),
`measures`, `coverage`, `pages`. Adapters: `service` (the async driver), `notify` (the webhook
gateway), `routes` (HTTP API), `bench` (`firegrid bench ranking`). Messages: `actions`,
`commands`, `timeline` (event types). Errors: `errors`.
"""
