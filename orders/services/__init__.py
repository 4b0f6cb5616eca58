"""The only writers of order state. One function per business action."""
