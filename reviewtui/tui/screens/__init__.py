"""The app's screens: overview, item walk, sign-off, help, and the small answer dialogs."""
