"""microdose.analysis"""
