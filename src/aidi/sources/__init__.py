"""aidi.sources"""
