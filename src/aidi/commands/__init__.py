"""aidi.commands"""
