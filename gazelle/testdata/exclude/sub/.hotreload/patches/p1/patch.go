package patch
