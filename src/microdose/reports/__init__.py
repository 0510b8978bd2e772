"""microdose.reports"""
