"""aidi.store"""
