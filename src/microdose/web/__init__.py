"""microdose.web"""
