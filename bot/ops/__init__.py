"""Running the bot for real: backups and restores, the health check and the metrics endpoint.

Nothing here knows about features: features call one counter function at most, and these modules
never see what a member wrote or who they are.
"""
