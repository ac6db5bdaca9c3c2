"""The shared event contract and the mechanisms every service uses; no business decision lives here."""
