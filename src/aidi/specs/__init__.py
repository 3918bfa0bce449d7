"""aidi.specs"""
