"""``python -m tests.e2e.fake_discord --port 8765``: the fake as a separate process."""

from .process import main

main()
