"""The console's pages, one module per area; ``service/console/mount.py`` puts them in the app."""
