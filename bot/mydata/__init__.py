"""/mydata: a member's view, export and deletion of everything every feature stores about them."""
