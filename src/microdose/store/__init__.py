"""microdose.store"""
