"""Spoken prompts in Vietnamese and English: the phrase catalogue, numbers as words,
the offline build (espeak-ng, then 8 and 16 kHz WAV), and finding a prompt's file."""
