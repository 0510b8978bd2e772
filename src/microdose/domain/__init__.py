"""microdose.domain"""
