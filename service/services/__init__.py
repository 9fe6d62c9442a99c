"""The services: orchestration that calls the store, fetch and the domain's rules.

Connector runs, selector buttons, webhook delivery, the event feed, import and the demo
dataset. The API, the console and the CLI call them; they never speak HTTP themselves.
"""
