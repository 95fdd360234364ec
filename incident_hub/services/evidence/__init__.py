"""Evidence and sharing (issue 16): attachments and their store, observables, ATT&CK techniques,
STIX 2.1 and MISP exports."""
