"""Notifications: who hears of what is domain/notifications.py; here, how (fan-out rows, email, chat)."""
