"""microdose.cli"""
