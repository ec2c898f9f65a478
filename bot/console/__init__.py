"""The local console: the same commands and database as Discord, in a terminal."""
