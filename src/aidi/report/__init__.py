"""aidi.report"""
