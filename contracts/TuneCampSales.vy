# pragma version 0.4.3
"""
@title TuneCamp release sales
@notice Listeners buy a release's download by paying its artist's price, in ether or in the one
        ERC-20 token this contract was deployed with. Payments are credited to the artist (minus an
        optional platform fee, capped) and withdrawn by the artist (pull payments). The owner sets the
        fee and registers each release's artist once; it can never move an artist's balance, change a
        price, or redirect a release whose artist is registered.
"""

from ethereum.ercs import IERC20

event Purchase:
    release_id: indexed(bytes32)
    buyer: indexed(address)
    amount: uint256
    token: address

event ArtistSet:
    release_id: indexed(bytes32)
    artist: indexed(address)

event PriceSet:
    release_id: indexed(bytes32)
    price_wei: uint256
    token_price: uint256

event Withdrawal:
    payee: indexed(address)
    token: address
    amount: uint256

event FeeSet:
    fee_bps: uint256

MAX_FEE_BPS: public(constant(uint256)) = 1000  # 10 %
BPS: constant(uint256) = 10000

owner: public(address)
fee_bps: public(uint256)
token: public(immutable(address))  # empty(address): ether only
artist_of: public(HashMap[bytes32, address])
price_wei: public(HashMap[bytes32, uint256])
token_price: public(HashMap[bytes32, uint256])
# payee -> token (empty(address) for ether) -> amount owed
balance_of: public(HashMap[address, HashMap[address, uint256]])


@deploy
def __init__(accepted_token: address, fee: uint256):
    assert fee <= MAX_FEE_BPS, "fee above the cap"
    self.owner = msg.sender
    self.fee_bps = fee
    token = accepted_token


@external
def set_fee(fee: uint256):
    assert msg.sender == self.owner, "only the owner"
    assert fee <= MAX_FEE_BPS, "fee above the cap"
    self.fee_bps = fee
    log FeeSet(fee_bps=fee)


@external
def transfer_ownership(new_owner: address):
    assert msg.sender == self.owner, "only the owner"
    assert new_owner != empty(address), "no owner"
    self.owner = new_owner


@external
def register(release_id: bytes32, artist: address):
    """@notice The owner names a release's artist, once; after that only the artist can hand it on."""
    assert msg.sender == self.owner, "only the owner"
    assert self.artist_of[release_id] == empty(address), "already registered"
    assert artist != empty(address), "no artist"
    self.artist_of[release_id] = artist
    log ArtistSet(release_id=release_id, artist=artist)


@external
def set_artist(release_id: bytes32, artist: address):
    assert msg.sender == self.artist_of[release_id], "only the release's artist"
    assert artist != empty(address), "no artist"
    self.artist_of[release_id] = artist
    log ArtistSet(release_id=release_id, artist=artist)


@external
def set_price(release_id: bytes32, price_wei: uint256, token_price: uint256):
    """@notice The artist's prices: 0 means not sold that way."""
    assert msg.sender == self.artist_of[release_id], "only the release's artist"
    self.price_wei[release_id] = price_wei
    self.token_price[release_id] = token_price
    log PriceSet(release_id=release_id, price_wei=price_wei, token_price=token_price)


@internal
def _credit(release_id: bytes32, asset: address, amount: uint256):
    fee: uint256 = amount * self.fee_bps // BPS
    self.balance_of[self.artist_of[release_id]][asset] += amount - fee
    self.balance_of[self.owner][asset] += fee


@external
@payable
def purchase(release_id: bytes32):
    """@notice Pay at least the price in ether; more is a tip, credited the same way."""
    price: uint256 = self.price_wei[release_id]
    assert price > 0, "not for sale in ether"
    assert msg.value >= price, "below the price"
    self._credit(release_id, empty(address), msg.value)
    log Purchase(release_id=release_id, buyer=msg.sender, amount=msg.value, token=empty(address))


@external
def purchase_with_token(release_id: bytes32, amount: uint256):
    """@notice Pay in the accepted ERC-20 (approve this contract for `amount` first)."""
    price: uint256 = self.token_price[release_id]
    assert token != empty(address), "no token accepted"
    assert price > 0, "not for sale in the token"
    assert amount >= price, "below the price"
    assert extcall IERC20(token).transferFrom(msg.sender, self, amount, default_return_value=True), "transfer failed"
    self._credit(release_id, token, amount)
    log Purchase(release_id=release_id, buyer=msg.sender, amount=amount, token=token)


@external
@nonreentrant
def withdraw(asset: address):
    """@notice Send the caller what it is owed in `asset` (empty(address) for ether)."""
    amount: uint256 = self.balance_of[msg.sender][asset]
    assert amount > 0, "nothing to withdraw"
    self.balance_of[msg.sender][asset] = 0
    if asset == empty(address):
        send(msg.sender, amount)
    else:
        assert asset == token, "unknown token"
        assert extcall IERC20(asset).transfer(msg.sender, amount, default_return_value=True), "transfer failed"
    log Withdrawal(payee=msg.sender, token=asset, amount=amount)
