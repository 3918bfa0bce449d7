"""aidi.engine"""
