"""The only writers of inventory state. One function per business action."""
