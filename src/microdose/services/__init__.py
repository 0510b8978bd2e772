"""microdose.services"""
